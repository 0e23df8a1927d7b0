namespace Storyweave.Data;

/// <summary>Instance-wide key/value facts, e.g. that the sample project was seeded once.</summary>
public class InstanceSetting
{
    public required string Key { get; set; }
    public required string Value { get; set; }
}

public sealed class InstanceSettingConfiguration : Microsoft.EntityFrameworkCore.IEntityTypeConfiguration<InstanceSetting>
{
    public void Configure(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<InstanceSetting> builder)
    {
        builder.HasKey(s => s.Key);
        builder.Property(s => s.Key).HasMaxLength(100);
        builder.Property(s => s.Value).HasMaxLength(4000);
    }
}
